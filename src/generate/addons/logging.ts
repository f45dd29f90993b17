import type { Addon } from './types.js';

/** `--with logging` (to be implemented). */
export const logging: Addon = {
  plan({ decide }) {
    decide('logging', 'not implemented', 'this add-on is being written');
    return {};
  },
  render() {},
};
