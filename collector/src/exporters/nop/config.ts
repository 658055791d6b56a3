/** nop exporter config: none, as otelcol's nopexporter (any key is an error). */
import type { z } from 'zod';
import { zStrictObject } from '../../config/schema-helpers.ts';

export const nopConfigSchema = zStrictObject({});

export type NopConfig = z.infer<typeof nopConfigSchema>;
