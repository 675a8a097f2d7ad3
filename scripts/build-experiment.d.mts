/** The parent script of the Experiment in `apiDir` (e.g. extension/experiments/mssAccounts), as text. */
export function bundleExperiment(apiDir: string): Promise<string>;
