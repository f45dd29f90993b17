/** The add-ons of `scaffold --with`, by name (see types.ts). */
import type { AddonName } from '../../workflow/model.js';
import type { Addon } from './types.js';
import { monitoring } from './monitoring.js';
import { logging } from './logging.js';
import { alerting } from './alerting.js';
import { ingress } from './ingress.js';

export const ADDONS: Record<AddonName, Addon> = { monitoring, logging, alerting, ingress };
export type { Addon, AddonFile, AddonPlanInput, AddonRenderInput } from './types.js';
