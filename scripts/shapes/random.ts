// The seeded random source tests use to generate photos: the one in electron/core.

export { Random } from '../../electron/core/random.js';
