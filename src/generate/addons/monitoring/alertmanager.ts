/**
 * Alertmanager routing for the workflow's alerts, as data, in two shapes from one description:
 *
 * - `monitoring/alertmanager.yml` (compose's Alertmanager, or any other): credentials are files
 *   (`api_url_file`, `routing_key_file`, `auth_password_file`, `credentials_file`) under
 *   ./monitoring/secrets, mounted read-only; nothing secret is ever written into the file.
 * - an AlertmanagerConfig (monitoring.coreos.com/v1alpha1) where the Prometheus Operator runs:
 *   credentials are keys of a Secret the user creates; mlready writes no Secret.
 *
 * Everything goes to the team (Slack, email, Splunk HTTP Event Collector); critical alerts page too
 * (PagerDuty). Addresses and the HEC URL are placeholders (example.com) to edit.
 */
import type { WorkflowModel } from '../../../workflow/model.js';
import { k8sName } from '../../kubernetes.js';
import { k8sMeta, SECRETS_DIR } from './shared.js';

/** The credential files (compose) and Secret keys (Kubernetes): the same names. */
export const CREDENTIALS = {
  slack: 'slack-webhook-url',
  pagerduty: 'pagerduty-routing-key',
  smtp: 'smtp-password',
  splunk: 'splunk-hec-token',
} as const;

export const PLACEHOLDERS = {
  emailTo: 'ml-oncall@example.com',
  emailFrom: 'alertmanager@example.com',
  smarthost: 'smtp.example.com:587',
  splunkHec: 'https://splunk-hec.example.com:8088/services/collector/raw',
} as const;

const GROUP_BY = ['alertname', 'workflow', 'stage'];
const TIMING = { groupWait: '30s', groupInterval: '5m', repeatInterval: '4h' };

export function receiverNames(model: WorkflowModel): { team: string; oncall: string } {
  return { team: `${model.name}-team`, oncall: `${model.name}-oncall` };
}

const splunkUrl = (model: WorkflowModel) => `${PLACEHOLDERS.splunkHec}?sourcetype=alertmanager&source=mlready-${model.name}`;

/** monitoring/alertmanager.yml */
export function alertmanagerYaml(model: WorkflowModel): Record<string, unknown> {
  const r = receiverNames(model);
  const file = (name: string) => `${SECRETS_DIR}/${name}`;
  return {
    global: { resolve_timeout: '5m' },
    route: {
      receiver: r.team,
      group_by: GROUP_BY,
      group_wait: TIMING.groupWait,
      group_interval: TIMING.groupInterval,
      repeat_interval: TIMING.repeatInterval,
      routes: [
        { receiver: r.oncall, matchers: ['severity="critical"'], continue: true },
        { receiver: r.team, matchers: [`workflow="${model.name}"`] },
      ],
    },
    inhibit_rules: [{ source_matchers: ['severity="critical"'], target_matchers: ['severity="warning"'], equal: GROUP_BY }],
    receivers: [
      {
        name: r.team,
        slack_configs: [{ api_url_file: file(CREDENTIALS.slack), send_resolved: true }],
        email_configs: [
          {
            to: PLACEHOLDERS.emailTo,
            from: PLACEHOLDERS.emailFrom,
            smarthost: PLACEHOLDERS.smarthost,
            auth_username: PLACEHOLDERS.emailFrom,
            auth_password_file: file(CREDENTIALS.smtp),
            require_tls: true,
            send_resolved: true,
          },
        ],
        // Splunk HTTP Event Collector (raw endpoint: it takes Alertmanager's JSON as the event).
        webhook_configs: [
          {
            url: splunkUrl(model),
            send_resolved: true,
            http_config: { authorization: { type: 'Splunk', credentials_file: file(CREDENTIALS.splunk) } },
          },
        ],
      },
      {
        name: r.oncall,
        pagerduty_configs: [{ routing_key_file: file(CREDENTIALS.pagerduty), send_resolved: true }],
      },
    ],
  };
}

export function alertingSecretName(model: WorkflowModel): string {
  return k8sName([model.name, 'alerting'], 253);
}

/** The AlertmanagerConfig (Prometheus Operator): the same routing, credentials from a Secret by key. */
export function alertmanagerConfigObject(model: WorkflowModel): Record<string, unknown> {
  const r = receiverNames(model);
  const secret = (key: string) => ({ name: alertingSecretName(model), key });
  // matchType defaults to "=" (and a bare "=" is YAML 1.1's value-key indicator: better not written).
  const eq = (name: string, value: string) => ({ name, value });
  return {
    apiVersion: 'monitoring.coreos.com/v1alpha1',
    kind: 'AlertmanagerConfig',
    metadata: k8sMeta(model, k8sName([model.name, 'alerts'], 253), 'alerting'),
    spec: {
      route: {
        receiver: r.team,
        groupBy: GROUP_BY,
        ...TIMING,
        routes: [
          { receiver: r.oncall, matchers: [eq('severity', 'critical')], continue: true },
          { receiver: r.team, matchers: [eq('workflow', model.name)] },
        ],
      },
      inhibitRules: [{ sourceMatch: [eq('severity', 'critical')], targetMatch: [eq('severity', 'warning')], equal: GROUP_BY }],
      receivers: [
        {
          name: r.team,
          slackConfigs: [{ apiURL: secret(CREDENTIALS.slack), sendResolved: true }],
          emailConfigs: [
            {
              to: PLACEHOLDERS.emailTo,
              from: PLACEHOLDERS.emailFrom,
              smarthost: PLACEHOLDERS.smarthost,
              authUsername: PLACEHOLDERS.emailFrom,
              authPassword: secret(CREDENTIALS.smtp),
              requireTLS: true,
              sendResolved: true,
            },
          ],
          webhookConfigs: [
            {
              url: splunkUrl(model),
              sendResolved: true,
              httpConfig: { authorization: { type: 'Splunk', credentials: secret(CREDENTIALS.splunk) } },
            },
          ],
        },
        { name: r.oncall, pagerdutyConfigs: [{ routingKey: secret(CREDENTIALS.pagerduty), sendResolved: true }] },
      ],
    },
  };
}
