/**
 * The part of autocannon 8's API the benchmarks use (the package ships no types and
 * @types/autocannon is not installed).
 */
declare module 'autocannon' {
  namespace autocannon {
    interface Request {
      method?: string;
      path?: string;
      headers?: Record<string, string>;
      body?: string | Buffer;
    }
    interface Options {
      url: string;
      method?: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'HEAD' | 'OPTIONS';
      connections?: number;
      duration?: number;
      /** Requests per second across all connections (a fixed rate instead of as fast as possible). */
      overallRate?: number;
      amount?: number;
      workers?: number;
      pipelining?: number;
      headers?: Record<string, string>;
      body?: string | Buffer;
      requests?: { setupRequest?: (req: Request) => Request }[];
    }
    interface Histogram {
      average: number;
      mean: number;
      stddev: number;
      min: number;
      max: number;
      p50: number;
      p90: number;
      p99: number;
    }
    interface Result {
      requests: Histogram & { total: number; sent: number };
      latency: Histogram;
      throughput: Histogram;
      errors: number;
      timeouts: number;
      non2xx: number;
      duration: number;
    }
  }
  function autocannon(opts: autocannon.Options): Promise<autocannon.Result>;
  export default autocannon;
}
