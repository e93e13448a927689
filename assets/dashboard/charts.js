// Small live line charts as inline SVG: a bounded series of {t, v} points per chart.
'use strict';

const Charts = (() => {
  const SVG = 'http://www.w3.org/2000/svg';
  const MAX_POINTS = 240;
  const W = 300;
  const H = 90;
  const PAD = 4;

  function el(name, attrs) {
    const node = document.createElementNS(SVG, name);
    for (const [k, v] of Object.entries(attrs || {})) {
      node.setAttribute(k, v);
    }
    return node;
  }

  function formatValue(v, unit) {
    if (!Number.isFinite(v)) {
      return '–';
    }
    const abs = Math.abs(v);
    const text = abs >= 1e6 ? (v / 1e6).toFixed(1) + 'M'
      : abs >= 1e4 ? (v / 1e3).toFixed(1) + 'k'
        : abs >= 100 || Number.isInteger(v) ? Math.round(v).toString()
          : v.toFixed(1);
    return unit ? text + ' ' + unit : text;
  }

  /** One chart: a titled SVG with a line, its range and the last value. */
  class Chart {
    constructor(container, id, title, unit) {
      this.unit = unit;
      this.points = [];
      const figure = document.createElement('figure');
      figure.className = 'chart';
      figure.id = 'chart-' + id;
      const caption = document.createElement('figcaption');
      const name = document.createElement('span');
      name.textContent = title;
      this.last = document.createElement('span');
      this.last.className = 'chart-last';
      this.last.textContent = '–';
      caption.append(name, this.last);
      this.svg = el('svg', { viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: 'none', role: 'img', 'aria-label': title });
      this.area = el('path', { class: 'chart-area' });
      this.line = el('polyline', { class: 'chart-line', fill: 'none' });
      this.maxLabel = el('text', { x: PAD, y: 12, class: 'chart-label' });
      this.svg.append(el('line', { x1: 0, y1: H - PAD, x2: W, y2: H - PAD, class: 'chart-axis' }),
        this.area, this.line, this.maxLabel);
      figure.append(caption, this.svg);
      container.append(figure);
    }

    /** Adds a point (time in ms, value); a value equal to the last one at the same time is skipped. */
    add(t, v) {
      if (!Number.isFinite(v)) {
        return;
      }
      const previous = this.points[this.points.length - 1];
      if (previous && previous.t >= t) {
        previous.v = v;
      } else {
        this.points.push({ t, v });
      }
      if (this.points.length > MAX_POINTS) {
        this.points.splice(0, this.points.length - MAX_POINTS);
      }
      this.draw();
    }

    draw() {
      const pts = this.points;
      this.svg.parentNode.dataset.points = String(pts.length);
      if (pts.length === 0) {
        return;
      }
      const t0 = pts[0].t;
      const span = Math.max(1, pts[pts.length - 1].t - t0);
      const max = Math.max(1e-9, ...pts.map(p => p.v));
      const x = p => PAD + (W - 2 * PAD) * (p.t - t0) / span;
      const y = p => H - PAD - (H - 2 * PAD - 10) * Math.max(0, p.v) / max;
      const coords = pts.map(p => `${x(p).toFixed(1)},${y(p).toFixed(1)}`);
      if (pts.length === 1) {
        coords.push(`${(W - PAD).toFixed(1)},${y(pts[0]).toFixed(1)}`);
      }
      this.line.setAttribute('points', coords.join(' '));
      this.area.setAttribute('d', `M${coords[0].split(',')[0]},${H - PAD} L${coords.join(' L')} `
        + `L${coords[coords.length - 1].split(',')[0]},${H - PAD} Z`);
      this.maxLabel.textContent = 'max ' + formatValue(max, '');
      this.last.textContent = formatValue(pts[pts.length - 1].v, this.unit);
    }
  }

  return { Chart, formatValue };
})();
