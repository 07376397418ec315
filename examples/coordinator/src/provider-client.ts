/**
 * Provider processes as the replay needs them: an old client that drops every token it is
 * given, a current client that keeps its token and presents it, and an impostor.
 *
 * @module @fedtrust/example-coordinator/provider-client
 */
import { WebSocket } from 'ws';

/** The coordinator's first frame on a new connection. */
export type Greeting =
  | { type: 'admitted'; connectionId: string; authState: string; event: string; token?: string }
  | { type: 'rejected'; connectionId: string; code: string };

/** One open (or refused) provider socket. */
export interface ProviderSocket {
  greeting: Greeting;
  /** Resolves with the close code once the socket is closed, by either side. */
  closed: Promise<number>;
  /** A clean close. */
  close(): Promise<number>;
  /** An abrupt drop, as a NAT rebinding or a cable pull: no close frame. */
  drop(): Promise<number>;
}

/**
 * Opens a socket as `providerId`, presenting `bearer` when given, and waits for the
 * coordinator's greeting. Jobs are passed to `onJob` and answered `done` at once.
 */
export function openProviderSocket(
  url: string,
  providerId: string,
  bearer: string | undefined,
  onJob: (id: string) => void,
): Promise<ProviderSocket> {
  const ws = new WebSocket(`${url}?provider=${encodeURIComponent(providerId)}`, {
    ...(bearer === undefined ? {} : { headers: { authorization: `Bearer ${bearer}` } }),
  });
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`${providerId}: no greeting within 5 s`));
    }, 5_000);
    ws.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    ws.on('message', (data) => {
      const message = JSON.parse(data.toString()) as Greeting | { type: 'job'; id: string };
      if (message.type === 'job') {
        onJob(message.id);
        ws.send(JSON.stringify({ type: 'done', id: message.id }));
        return;
      }
      clearTimeout(timer);
      resolve({
        greeting: message,
        closed,
        close: () => {
          ws.close();
          return closed;
        },
        drop: () => {
          ws.terminate();
          return closed;
        },
      });
    });
  });
}

/** A provider process that reconnects with whatever it remembers. */
export class Provider {
  /** The token this provider remembers, if it keeps tokens at all. */
  token: string | undefined;
  current: ProviderSocket | null = null;
  readonly history: Greeting[] = [];
  /** Job ids received on any of this provider's sockets. */
  readonly jobs: string[] = [];

  constructor(
    readonly providerId: string,
    /** Old clients cannot store a token: they drop whatever they are given. */
    readonly keepsToken: boolean,
  ) {}

  /** Connects once; keeps the socket if admitted. */
  async connect(url: string): Promise<Greeting> {
    const socket = await openProviderSocket(url, this.providerId, this.token, (id) => this.jobs.push(id));
    this.history.push(socket.greeting);
    if (socket.greeting.type === 'admitted') {
      this.current = socket;
      if (this.keepsToken && socket.greeting.token !== undefined) this.token = socket.greeting.token;
    } else {
      await socket.closed;
    }
    return socket.greeting;
  }

  /** Drops the socket abruptly and waits until it is closed. */
  async blip(): Promise<void> {
    const socket = this.current;
    this.current = null;
    await socket?.drop();
  }
}
