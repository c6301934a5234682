import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { waitFor } from "./wait.ts";
import { kill } from "../runtimes/redis-server.ts";

const SCRIPT = fileURLToPath(new URL("./channel-server.ts", import.meta.url));

/** A channel-server.ts child process serving on 127.0.0.1. */
export interface ChannelProcess {
  readonly url: string;
  /** Everything the process printed, for failure messages. */
  output(): string;
  /** Publishes through this process (on `channel` of its registry, when given); resolves with the event id. */
  publish(body: { data: string; event?: string; id?: string; channel?: string }): Promise<string>;
  /** How many subscriber streams this process runs. */
  subscribers(): Promise<number>;
  /** Stops the process by its PID (SIGTERM, then SIGKILL after 5 s). */
  stop(): Promise<void>;
}

/** Starts channel-server.ts with `env` and waits (at most 20 s) for its `READY <port>` line. */
export async function startChannelProcess(env: Record<string, string>): Promise<ChannelProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", SCRIPT], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const stop = (): Promise<void> => kill(child);
  try {
    await waitFor(() => /^READY \d+$/m.test(output) || child.exitCode !== null, "the channel server to start", 20_000);
  } catch (error) {
    await stop();
    throw new Error(`${String(error)}; it printed:\n${output}`);
  }
  const port = /^READY (\d+)$/m.exec(output)?.[1];
  if (port === undefined) throw new Error(`The channel server exited (${child.exitCode}):\n${output}`);
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    output: () => output,
    async publish(body) {
      const response = await fetch(`${url}/publish`, {
        method: "POST",
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
      const answer = (await response.json()) as { id?: string; error?: string };
      if (answer.id === undefined) throw new Error(`publish failed: ${answer.error}`);
      return answer.id;
    },
    async subscribers() {
      const response = await fetch(`${url}/subscribers`, { signal: AbortSignal.timeout(10_000) });
      return (await response.json()) as number;
    },
    stop,
  };
}
