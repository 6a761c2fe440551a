// The tool's name and version, read once from package.json (two levels above dist/src/util or src/util).

import { readFileSync } from 'node:fs';

function load(): { name: string; version: string } {
  for (const rel of ['../../../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'splice-doctor' && pkg.version) return { name: pkg.name, version: pkg.version };
    } catch {
      // try the next candidate
    }
  }
  return { name: 'splice-doctor', version: '0.0.0' };
}

export const TOOL = load();
