import { runStoreConformance } from '../conformance.js';
import { createMemoryStore } from './memory-store.js';

runStoreConformance('memory', createMemoryStore);
