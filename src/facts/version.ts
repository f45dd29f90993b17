/** Version of the facts document format. Same major: readable; a newer major is refused. */
export const FACTS_SCHEMA_VERSION = '1.0.0';
