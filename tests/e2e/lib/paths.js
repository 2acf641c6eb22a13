// Where the sources and the build are: CTest sets WALCAST_SOURCE_DIR and WALCAST_BINARY_DIR; by
// hand, the source tree around this file and its build/.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const sourceDir = process.env.WALCAST_SOURCE_DIR || path.resolve(here, '../../..');
export const binaryDir = process.env.WALCAST_BINARY_DIR || path.join(sourceDir, 'build');
export const artifactsDir = path.resolve(here, '../artifacts');
