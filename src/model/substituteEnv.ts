/**
 * `${VAR}` and `${VAR:-default}` in definition and configuration values, so data can
 * move and secrets stay out of files.
 */
export function substituteEnv(text: string, env: NodeJS.ProcessEnv, fail: (message: string) => void): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (_, variable: string, fallback?: string) => {
    const value = env[variable];
    if (value !== undefined && value !== '') return value;
    if (fallback !== undefined) return fallback;
    fail(`environment variable ${variable} is not set and has no default (write \${${variable}:-default})`);
    return '';
  });
}
