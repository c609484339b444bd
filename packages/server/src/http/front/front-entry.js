// Worker threads do not inherit the tsx loader of the main thread: load the TypeScript entry through it.
import { tsImport } from 'tsx/esm/api';

await tsImport('./front-worker.ts', import.meta.url);
