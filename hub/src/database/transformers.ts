import type { ValueTransformer } from 'typeorm';

/**
 * Maps a PostgreSQL `bigint` column (returned by pg as a string) to a JS number. Safe for
 * generations and counters below 2^53.
 */
export const bigintToNumber: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | null) => (value === null || value === undefined ? value : Number(value)),
};
