import { runTopicStoreConformance } from '../topic-conformance.js';
import { createMemoryStore } from './memory-store.js';

runTopicStoreConformance('memory', createMemoryStore);
