import type { Addon } from './types.js';

/** `--with ingress` (to be implemented). */
export const ingress: Addon = {
  plan({ decide }) {
    decide('ingress', 'not implemented', 'this add-on is being written');
    return {};
  },
  render() {},
};
