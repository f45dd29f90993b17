// What the rule benchmark needs from src/, in one module.
export { loadRuleSet } from '../../src/rules/load.js';
export { evaluateRule, evaluateRules, prepareContext } from '../../src/rules/engine.js';
