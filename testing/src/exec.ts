import { execFile } from 'node:child_process';

/**
 * Runs a program without a shell and resolves with its stdout.
 * @throws Error naming the command line, exit code and stderr when it exits non-zero.
 */
export function runCommand(file: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { cwd: options.cwd, env: options.env ?? process.env, maxBuffer: 64 * 1024 * 1024, timeout: 120_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${file} ${args.join(' ')} failed (${error.code ?? error.signal}): ${stderr.trim() || error.message}`, { cause: error }));
      else resolve(stdout);
    });
  });
}
