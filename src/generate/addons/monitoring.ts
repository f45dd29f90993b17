import type { Addon } from './types.js';

/** `--with monitoring` (to be implemented). */
export const monitoring: Addon = {
  plan({ decide }) {
    decide('monitoring', 'not implemented', 'this add-on is being written');
    return {};
  },
  render() {},
};
