#!/usr/bin/env python3
"""Plots the scaling curves that `hfx bench --scaling-out DIR` writes.

usage: plot_scaling.py DIR      (reads DIR/scaling_batch.csv, DIR/scaling_model.csv;
                                 writes DIR/scaling_batch.svg, DIR/scaling_model.svg)
Needs matplotlib (python3-matplotlib).
"""
import csv
import os
import sys

import matplotlib
matplotlib.use('Agg')
import matplotlib.pyplot as plt


def read(path):
    with open(path) as f:
        return list(csv.DictReader(f))


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else 'bench'
    rows = read(os.path.join(d, 'scaling_batch.csv'))
    fig, ax = plt.subplots(figsize=(6, 4))
    for key in sorted({(r['path'], int(r['threads'])) for r in rows}):
        pts = sorted((int(r['n_hyp']), float(r['s_per_hyp']) * 1e3) for r in rows
                     if (r['path'], int(r['threads'])) == key)
        ax.plot([p[0] for p in pts], [p[1] for p in pts], 'o-', label=f'{key[0]}, {key[1]} thread' + ('s' if key[1] > 1 else ''))
    ax.set_xscale('log')
    ax.set_xlabel('hypotheses in the scan (synthetic sbottom RegionA grid)')
    ax.set_ylabel('wall time per hypothesis [ms]')
    ax.set_title('hfx: time per hypothesis vs batch size')
    ax.grid(True, which='both', alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(os.path.join(d, 'scaling_batch.svg'))

    rows = read(os.path.join(d, 'scaling_model.csv'))
    rows.sort(key=lambda r: int(r['n_pars']))
    x = [int(r['n_pars']) for r in rows]
    fig, ax = plt.subplots(figsize=(6, 4))
    for key, lab in (('s_per_hyp', 'total'), ('s_hypotest', 'hypotest (5 fits)'),
                     ('s_compile', 'compile_model'), ('s_apply', 'apply patch + replicate')):
        ax.plot(x, [float(r[key]) * 1e3 for r in rows], 'o-', label=lab)
    for r in rows:
        ax.annotate(f"{r['n_bins']} bins", (int(r['n_pars']), float(r['s_per_hyp']) * 1e3), fontsize=7,
                    textcoords='offset points', xytext=(3, 3))
    ax.set_xscale('log')
    ax.set_yscale('log')
    ax.set_xlabel('parameters (sbottom RegionA, channels replicated 1..16x)')
    ax.set_ylabel('time per hypothesis, 1 thread [ms]')
    ax.set_title('hfx CPU: time per hypothesis vs model size')
    ax.grid(True, which='both', alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(os.path.join(d, 'scaling_model.svg'))
    print('wrote', os.path.join(d, 'scaling_batch.svg'), os.path.join(d, 'scaling_model.svg'))


if __name__ == '__main__':
    main()
