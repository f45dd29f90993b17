import type { Addon } from './types.js';

/** `--with alerting` (to be implemented). */
export const alerting: Addon = {
  plan({ decide }) {
    decide('alerting', 'not implemented', 'this add-on is being written');
    return {};
  },
  render() {},
};
