/** Version of the report format (JSON report, baselines). Same major: readable; a newer major is refused. */
export const REPORT_SCHEMA_VERSION = '1.0.0';
