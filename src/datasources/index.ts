/** Data stores of a workflow spec: URL parsing (credentials stripped) and reachability checks. */
export { checkDataSource, checkDataSources, type CheckOptions, type DataSourceInput } from './check.js';
export { DataSourceUrlError, dataSourceEnvName, parseDataSource, type Endpoint, type ParsedDataSource } from './url.js';

/** The facts target under which the data-source checks are recorded (`facts.targets`). */
export const DATA_SOURCES_TARGET = 'data-sources';
