/**
 * Event data for a run: spaces made by the project's generator CLI (`npm run generate`), written straight into
 * server data folders. One folder is generated per dataset and copied for every server that needs it, so that each
 * browser and each origin starts from exactly the same events.
 */
import { cpSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { runStep } from './processes';

export interface Dataset {
  preset: 'roomy-largest' | 'small' | 'demo';
  seed: number;
  /** Override the preset's message and room counts (reduced sizes for --quick). */
  messages?: number;
  rooms?: number;
  /** How rows name this dataset in their `size`. */
  label: string;
}

export async function generateDataset(root: string, dataset: Dataset): Promise<string> {
  const dir = mkdtempSync(join(root, `data-${dataset.preset}-`));
  const args = [
    '--import',
    'tsx',
    'server/generate/cli.ts',
    '--preset',
    dataset.preset,
    '--seed',
    String(dataset.seed),
  ];
  if (dataset.messages !== undefined) args.push('--messages', String(dataset.messages));
  if (dataset.rooms !== undefined) args.push('--rooms', String(dataset.rooms));
  await runStep(`generate ${dataset.label}`, process.execPath, [...args, '--data-dir', dir]);
  return dir;
}

/** A private copy of a generated data folder (the server writes to it: local writes, VAPID keys). */
export function copyDataset(root: string, source: string, name: string): string {
  const dir = mkdtempSync(join(root, `${name}-`));
  cpSync(source, dir, { recursive: true });
  return dir;
}
