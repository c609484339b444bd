// Entry of the storage thread. Worker threads do not inherit the tsx loader of the main thread (nor run
// TypeScript under Vitest), so this plain module loads the TypeScript entry through tsx's API.
import { tsImport } from 'tsx/esm/api';

await tsImport('./sqlite-thread.ts', import.meta.url);
