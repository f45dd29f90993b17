/**
 * Judging a facts document: choose the profile, evaluate the environment rules. Shared by `assess`
 * and anything else that turns facts into a verdict.
 */
import type { Facts } from '../facts/schema.js';
import { evaluateRules, type Evaluation } from './engine.js';
import type { RuleSet } from './load.js';
import { chooseProfile, type ProfileChoice } from './profiles.js';
import type { ConfigDoc } from './schema.js';

export interface JudgeInput {
  facts: Facts;
  profileFlag?: string;
  config: ConfigDoc;
  configFile?: string;
  workload?: Record<string, unknown>;
  /** See EvaluationInput.waiverScope. */
  waiverScope?: string;
}

export interface Judgement {
  choice: ProfileChoice;
  evaluation: Evaluation;
}

export function judge(ruleSet: RuleSet, input: JudgeInput): Judgement {
  const choice = chooseProfile(input.facts, ruleSet.profiles, {
    ...(input.profileFlag ? { flag: input.profileFlag } : {}),
    ...(input.config.profile ? { config: input.config.profile } : {}),
    ...(input.configFile ? { configFile: input.configFile } : {}),
  });
  const evaluation = evaluateRules(ruleSet.rules, {
    facts: input.facts,
    profile: choice.profile,
    config: input.config,
    ...(input.workload ? { workload: input.workload } : {}),
    ...(input.waiverScope !== undefined ? { waiverScope: input.waiverScope } : {}),
  });
  return { choice, evaluation };
}
