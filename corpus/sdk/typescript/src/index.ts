/**
 * Official TypeScript client for the Shiplane API.
 */

export interface ShiplaneOptions {
  /** Secret (sk_) or restricted (rk_) key. Defaults to SHIPLANE_API_KEY. */
  apiKey?: string;
  /** API base URL, e.g. https://eu.api.shiplane.dev/v2 for the EU region. */
  baseUrl?: string;
  /** Per-attempt timeout in milliseconds (default 30000). */
  timeoutMs?: number;
  /** Automatic retries on 429, 5xx and network errors (default 3). */
  maxRetries?: number;
}

export class ShiplaneError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly type: string,
    readonly code: string,
    readonly requestId?: string,
  ) {
    super(message);
  }
}

const RETRYABLE = new Set([429, 500, 502, 503]);

export class Shiplane {
  private readonly apiKey: string;
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  readonly shipments: Shipments;

  constructor(options: ShiplaneOptions = {}) {
    const key = options.apiKey ?? process.env.SHIPLANE_API_KEY ?? "";
    if (!/^(sk|rk)_(test|live)_/.test(key)) {
      throw new Error("Shiplane: an API key starting with sk_ or rk_ is required");
    }
    this.apiKey = key;
    this.baseUrl = (options.baseUrl ?? process.env.SHIPLANE_API_BASE ?? "https://api.shiplane.dev/v2").replace(/\/$/, "");
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.maxRetries = options.maxRetries ?? 3;
    this.shipments = new Shipments(this);
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {
      Authorization: `Bearer ${this.apiKey}`,
      "Content-Type": "application/json",
    };
    if (method === "POST") headers["Idempotency-Key"] = crypto.randomUUID();
    for (let attempt = 0; ; attempt++) {
      const response = await fetch(this.baseUrl + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      if (response.ok) return (await response.json()) as T;
      if (RETRYABLE.has(response.status) && attempt < this.maxRetries) {
        const retryAfter = Number(response.headers.get("Retry-After"));
        const backoff = Math.random() * Math.min(8000, 500 * 2 ** attempt);
        await new Promise((r) => setTimeout(r, retryAfter > 0 ? retryAfter * 1000 : backoff));
        continue;
      }
      const payload = (await response.json().catch(() => ({}))) as { error?: Record<string, string> };
      const e = payload.error ?? {};
      throw new ShiplaneError(e.message ?? `HTTP ${response.status}`, response.status, e.type ?? "api_error", e.code ?? "unexpected_response", e.request_id);
    }
  }
}

export class Shipments {
  constructor(private readonly client: Shiplane) {}

  create(params: { from: object; to: object; parcels: object[]; service?: string }) {
    return this.client.request("POST", "/shipments", params);
  }

  get(id: string) {
    return this.client.request("GET", `/shipments/${id}`);
  }

  /** Iterates every shipment, following cursors. */
  async *list(params: { limit?: number; status?: string } = {}) {
    let cursor: string | undefined;
    do {
      const query = new URLSearchParams({ limit: String(params.limit ?? 20) });
      if (params.status) query.set("status", params.status);
      if (cursor) query.set("starting_after", cursor);
      const page = await this.client.request<{ data: { id: string }[]; has_more: boolean; next_cursor?: string }>("GET", `/shipments?${query}`);
      yield* page.data;
      cursor = page.has_more ? page.next_cursor ?? page.data[page.data.length - 1]?.id : undefined;
    } while (cursor);
  }
}
