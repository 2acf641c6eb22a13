// Imports a module of web/js/ by its text: web/ has no package.json saying "type": "module" (it
// is served as is), and node before 20.19 would otherwise read a .js file there as CommonJS.
// Only for modules without imports of their own.
import { readFileSync } from 'node:fs';

export function importWebModule(name) {
  const url = new URL(`../../../web/js/${name}`, import.meta.url);
  const source = readFileSync(url, 'utf8');
  return import(`data:text/javascript;base64,${Buffer.from(source).toString('base64')}`);
}
