// add-flows BR FILE|-: a flows file of any size, sent to the daemon as the request's
// body (raw bytes after the request line, not inside the JSON: see protocol.ts), so
// that neither side has a line cap to meet. The daemon parses and checks every line
// before the tables change: all of the file or none of it (ovs-ofctl needs --bundle
// for that; here it is always so).
//
// On a terminal, stderr shows how far the daemon is (lines parsed, flows installed);
// to a pipe or a file, nothing but errors.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { fileProblem, NodeswitchError } from '../errors.js';
import type { Progress } from '../daemon/protocol.js';
import { call } from './client.js';
import { addDaemonOptions, type DaemonFlags, daemonTarget } from './daemon-options.js';
import type { Io } from './main.js';

export function addFlowsFileCommand(program: Command, io: Io, env: NodeJS.ProcessEnv): void {
  addDaemonOptions(program.command('add-flows'))
    .description('add the flows of a file, one per line ("-": standard input); all of them or none')
    .argument('<bridge>')
    .argument('<file>', 'flows file, or - for standard input')
    .action(async (bridge: string, file: string, flags: DaemonFlags) => {
      const source = file === '-' ? 'standard input' : file;
      const data = await readFlowsFile(file, io);
      const tty = io.errIsTty?.() === true;
      const target = daemonTarget(flags, env);
      try {
        await call(target.sock, 'add-flows', { bridge, ...(tty && { progress: true }) }, target.timeoutMs, {
          body: { arg: 'flows', data },
          ...(tty && { onProgress: (p: Progress) => io.err(progressLine(p)) }),
        });
      } catch (err) {
        // "line 3: tp_dst=80: …" names the line; say of which file.
        if (err instanceof NodeswitchError && /^line \d+: /.test(err.message)) {
          throw new NodeswitchError(`${source}: ${err.message}`, err.argument);
        }
        throw err;
      } finally {
        if (tty) io.err('\r\x1b[K');
      }
    });
}

const PHASE_WORDS: Record<Progress['phase'], string> = { parse: 'parsed', install: 'installed', save: 'saved' };

function progressLine(p: Progress): string {
  const pct = p.total > 0 ? Math.floor((100 * p.done) / p.total) : 100;
  const what = p.phase === 'parse' ? 'lines' : 'flows';
  return `\r\x1b[Knodeswitch: add-flows: ${PHASE_WORDS[p.phase]} ${p.done} of ${p.total} ${what} (${pct}%)`;
}

/** An add-flows file's bytes, or standard input's for "-". */
async function readFlowsFile(file: string, io: Io): Promise<Buffer> {
  if (file === '-') {
    if (!io.stdin) throw new NodeswitchError('add-flows -: no standard input to read', 'file');
    return Buffer.from(await io.stdin(), 'utf8');
  }
  try {
    return readFileSync(file);
  } catch (err) {
    throw new NodeswitchError(`cannot read the flows file ${file}: ${fileProblem(err)}`, 'file');
  }
}
