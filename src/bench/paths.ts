import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** The repository root (the benchmark runs from dist/ and, in the smoke test, from src/). */
export function repoRoot(from = __dirname): string {
  let dir = from;
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'creatio-conversation-sync') return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`package.json of creatio-conversation-sync not found above ${from}`);
    dir = up;
  }
}

/** A compiled entry point of the benchmark's child processes. */
export function distScript(root: string, rel: string): string {
  const file = path.join(root, 'dist', rel);
  if (!existsSync(file)) throw new Error(`${file} is missing: run "npm run build" first (npm run bench does).`);
  return file;
}
