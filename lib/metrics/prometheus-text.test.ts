import { describe, expect, it } from 'vitest';
import { histogramSamples, renderPrometheusText } from './prometheus-text';

describe('Prometheus text format', () => {
  it('renders help, type and samples with escaped label values', () => {
    const text = renderPrometheusText([
      { name: 'idm_x_total', help: 'Line one\nline two', type: 'counter', samples: [{ labels: { a: 'q"u\\o\nte' }, value: 3 }, { value: 0.5 }] },
    ]);
    expect(text).toBe('# HELP idm_x_total Line one\\nline two\n# TYPE idm_x_total counter\nidm_x_total{a="q\\"u\\\\o\\nte"} 3\nidm_x_total 0.5\n');
  });

  it('renders histograms with cumulative buckets, +Inf, _sum and _count', () => {
    const text = renderPrometheusText([
      { name: 'h', help: 'h', type: 'histogram', samples: histogramSamples({ job: 'j' }, [{ le: 1, count: 1 }, { le: 5, count: 2 }], 7.5, 3) },
    ]);
    expect(text).toContain('h_bucket{job="j",le="1"} 1\n');
    expect(text).toContain('h_bucket{job="j",le="5"} 2\n');
    expect(text).toContain('h_bucket{job="j",le="+Inf"} 3\n');
    expect(text).toContain('h_sum{job="j"} 7.5\n');
    expect(text).toContain('h_count{job="j"} 3\n');
  });
});
