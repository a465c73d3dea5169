/**
 * Listening and closing HTTP servers so that a busy port fails fast with a typed error (instead
 * of an unhandled 'error' event or a hang) and `close` really frees the port even while clients
 * hold keep-alive connections.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DevnetError, PortInUseError } from './errors';

export async function listen(server: Server, host: string, port: number, label: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      if (err.code === 'EADDRINUSE') reject(new PortInUseError(label, host, port));
      else reject(new DevnetError('LISTEN_FAILED', `${label}: cannot listen on ${host}:${port}: ${err.message}`, { cause: err }));
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
  return (server.address() as AddressInfo).port;
}

/**
 * Stops accepting, lets in-flight requests finish for up to `graceMs` (a settle in progress
 * should record its outcome), then drops every remaining socket so the port is free.
 */
export async function closeServer(server: Server, graceMs = 1500): Promise<void> {
  if (!server.listening) return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    timer.unref();
    server.close((err) => {
      clearTimeout(timer);
      if (err) reject(err);
      else resolve();
    });
    // Idle keep-alive sockets would otherwise keep the port bound for seconds.
    server.closeIdleConnections();
  });
}

/** `http://host:port` with IPv6 hosts bracketed. */
export function originOf(host: string, port: number): string {
  const h = host.includes(':') ? `[${host}]` : host;
  return `http://${h}:${port}`;
}
