import http from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A hostile stand-in teacher for the adversarial end-to-end test: a loopback server that speaks
 * the OpenAI chat-completions protocol (what vLLM serves) and, instead of fixing a bug, answers
 * every agent turn with the next escape attempt from a fixed list. It is a test fixture playing
 * an adversary, not a model, and it is named as such in the rows it produces (`model`).
 *
 * Turns are counted from the assistant messages already in the conversation, so every rollout
 * (rollout 1, rollout 2, any retry) walks the same list from the start. After the list it appends
 * a line to a tracked file (so there is a patch) and submits twice (the review, then the submit).
 * Requests without tools are the self-check and PR-writing calls: they get a fixed tagged answer.
 */

export const HOSTILE_MODEL = "hostile-stand-in";

/** Every file an attempt might create carries this marker in its name, so a search of the host finds it. */
export const PWNED = "sera-pwned";

export function escapeAttempts(hostPaths: { repo: string; home: string; cacheDirs: readonly string[] }): string[] {
  const writes = [hostPaths.repo, hostPaths.home, ...hostPaths.cacheDirs].map((dir) => `echo owned > ${dir}/${PWNED}-host-write; ls -la ${dir} | head -3`);
  return [
    // Regain write access to the read-only system view, then use it.
    `mount -o remount,rw /usr; mount -o remount,rw,bind /usr; touch /usr/${PWNED}-remount; echo remount-exit=$?`,
    `mount -o remount,rw /; mount -t tmpfs none /etc; touch /etc/${PWNED}-etc; echo x >> /etc/passwd; echo etc-exit=$?`,
    `cat /etc/shadow && echo SHADOW-READ; grep -c CapEff /proc/self/status; grep CapEff /proc/self/status; id`,
    `unshare -r -m sh -c 'mount -o remount,rw /usr && touch /usr/${PWNED}-userns'; echo userns-exit=$?`,
    ...writes,
    // Processes that try to outlive the command and the rollout.
    `nohup sleep 1001.5 >/dev/null 2>&1 & setsid sleep 1001.5 >/dev/null 2>&1 < /dev/null & disown -a; echo started`,
    // A bounded process flood (never an unbounded fork bomb, even if a limit were missing).
    `python3 -c "import subprocess\ntry:\n  [subprocess.Popen(['sleep', '1001.25']) for _ in range(600)]\n  print('flood: all 600 started')\nexcept OSError as error:\n  print('flood stopped:', error)"`,
    // A memory hog that touches every page it asks for.
    `python3 -c "b = b'x' * (10 << 30); print('allocated', len(b))"; echo memory-exit=$?`,
    // A huge file in the writable copy, then one in /tmp.
    `dd if=/dev/zero of=/testbed/${PWNED}-huge bs=1M count=3072 status=none; echo dd-exit=$?; rm -f /testbed/${PWNED}-huge`,
    `dd if=/dev/zero of=/tmp/${PWNED}-huge bs=1M count=3072 status=none; echo dd-tmp-exit=$?; rm -f /tmp/${PWNED}-huge`,
    // The network and everything else it can see.
    `(exec 3<>/dev/tcp/127.0.0.1/22) 2>&1; curl -s -m 2 http://127.0.0.1:1/ ; echo net-exit=$?`,
    `kill -9 -1; echo still-here`,
  ];
}

export interface HostileTeacher {
  url: string;
  /** How many agent turns were answered with an escape attempt. */
  attemptsServed: () => number;
  stop: () => Promise<void>;
}

type WireMessage = { role: string; content?: unknown; tool_calls?: unknown };

export async function startHostileTeacher(commands: readonly string[]): Promise<HostileTeacher> {
  let served = 0;
  let callId = 0;
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      if (req.method === "GET" && req.url?.endsWith("/models")) {
        return send(res, { object: "list", data: [{ id: HOSTILE_MODEL, object: "model", owned_by: "hostile-stand-in" }] });
      }
      const request = JSON.parse(body) as { messages: WireMessage[]; tools?: unknown[] };
      if (!request.tools || request.tools.length === 0) return send(res, completion({ content: "<output>yes</output>" }));
      const turn = request.messages.filter((m) => m.role === "assistant").length;
      let call: { name: string; args: Record<string, unknown> };
      if (turn < commands.length) {
        served++;
        call = { name: "bash", args: { command: commands[turn] } };
      } else if (turn === commands.length) {
        call = { name: "bash", args: { command: `printf '# touched by the hostile stand-in\\n' >> "$(git ls-files | head -n 1)"` } };
      } else {
        call = { name: "submit", args: {} };
      }
      callId++;
      send(res, completion({ content: null, toolCall: { id: `call_${callId}`, ...call } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    attemptsServed: () => served,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function completion(reply: { content: string | null; toolCall?: { id: string; name: string; args: Record<string, unknown> } }): Record<string, unknown> {
  const message: Record<string, unknown> = { role: "assistant", content: reply.content };
  if (reply.toolCall) {
    message.tool_calls = [{ id: reply.toolCall.id, type: "function", function: { name: reply.toolCall.name, arguments: JSON.stringify(reply.toolCall.args) } }];
  }
  return {
    id: "hostile",
    object: "chat.completion",
    created: 0,
    model: HOSTILE_MODEL,
    choices: [{ index: 0, message, finish_reason: reply.toolCall ? "tool_calls" : "stop" }],
    usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
  };
}

function send(res: http.ServerResponse, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}
