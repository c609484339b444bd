export * from './actions.js';
export * from './form.js';
export * from './hmac-key.js';
export * from './limits.js';
export * from './signature.js';
export * from './wire-errors.js';
