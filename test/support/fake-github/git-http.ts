/**
 * Git over HTTP for the fake GitHub: requests under `/git/<owner>/<name>.git/` are handed
 * to `git http-backend` (git's own smart-HTTP server, as CGI), so a real `git push` over
 * http reaches the fake's bare repository. Like GitHub, it wants Basic auth whose password
 * is the token (any user name; GitHub's convention is `x-access-token`).
 */
import { spawn } from "node:child_process";
import type { IncomingMessage, ServerResponse } from "node:http";
import { basename, dirname } from "node:path";
import { testGitEnv } from "../temp-git.js";

export interface GitHttpRequestLog {
  service: string;
  authorized: boolean;
}

export function basicAuthPassword(header: string | undefined): string | undefined {
  const match = /^basic\s+(\S+)$/i.exec(header ?? "");
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return colon >= 0 ? decoded.slice(colon + 1) : undefined;
}

export function serveGitHttp(
  req: IncomingMessage,
  res: ServerResponse,
  options: { bare: string; rest: string; query: string; token: string; log: GitHttpRequestLog[] },
): void {
  const authorized = basicAuthPassword(req.headers.authorization) === options.token;
  const service = /service=([a-z-]+)/.exec(options.query)?.[1] ?? options.rest;
  options.log.push({ service, authorized });
  if (!authorized) {
    res.writeHead(401, { "www-authenticate": 'Basic realm="fake-github"' });
    res.end("authentication required\n");
    return;
  }
  const child = spawn("git", ["http-backend"], {
    env: {
      ...testGitEnv,
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      GIT_PROJECT_ROOT: dirname(options.bare),
      GIT_HTTP_EXPORT_ALL: "1",
      PATH_INFO: `/${basename(options.bare)}/${options.rest}`,
      REQUEST_METHOD: req.method ?? "GET",
      QUERY_STRING: options.query,
      CONTENT_TYPE: req.headers["content-type"] ?? "",
      ...(req.headers["content-length"] ? { CONTENT_LENGTH: req.headers["content-length"] } : {}),
      ...(req.headers["content-encoding"]
        ? { HTTP_CONTENT_ENCODING: req.headers["content-encoding"] }
        : {}),
      ...(req.headers["git-protocol"] ? { GIT_PROTOCOL: String(req.headers["git-protocol"]) } : {}),
      // http-backend only accepts pushes from an authenticated user.
      REMOTE_USER: "x-access-token",
      REMOTE_ADDR: "127.0.0.1",
    },
    stdio: ["pipe", "pipe", "pipe"],
  });
  req.pipe(child.stdin);
  let head = Buffer.alloc(0);
  let headersSent = false;
  child.stdout.on("data", (chunk: Buffer) => {
    if (headersSent) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf("\r\n\r\n");
    const endLf = head.indexOf("\n\n");
    const split =
      end >= 0 ? { at: end, length: 4 } : endLf >= 0 ? { at: endLf, length: 2 } : undefined;
    if (!split) return;
    const { status, headers } = parseCgiHeaders(head.subarray(0, split.at).toString("latin1"));
    res.writeHead(status, headers);
    headersSent = true;
    res.write(head.subarray(split.at + split.length));
  });
  child.stdout.on("end", () => {
    if (!headersSent) res.writeHead(502);
    res.end();
  });
  child.on("error", () => {
    if (!headersSent) res.writeHead(500);
    res.end();
  });
}

function parseCgiHeaders(text: string): { status: number; headers: Record<string, string> } {
  let status = 200;
  const headers: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === "status") status = Number(value.split(" ")[0]) || 200;
    else headers[name] = value;
  }
  return { status, headers };
}
