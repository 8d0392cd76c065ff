/*
 * reports/page.c - what every HTML page of the reports shares: the head
 * with its style sheet and its Content-Security-Policy, the small script
 * that sorts and filters tables, the colours of a speedup and of a verdict,
 * and the foot.
 *
 * A page is one self-contained file that works offline: nothing is
 * fetched (default-src 'none'), and the one script it runs is inline and
 * allowed by its SHA-256 hash alone ('sha256-...' in script-src, CSP level
 * 2), so that even a label that slipped through escaping could not run
 * code.  The script only adds comfort: without it every table and number
 * is still there.  SHA-256 is FIPS 180-4's, checked against its examples
 * in tests/reports/stats.c.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

/* ---- SHA-256 (FIPS 180-4) -------------------------------------------------- */

static const uint32_t sha_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
	0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
	0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
	0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
	0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
	0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
	0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
	0xc67178f2,
};

static uint32_t ror(uint32_t x, int n)
{
	return (x >> n) | (x << (32 - n));
}

static void sha_block(uint32_t h[8], const unsigned char *p)
{
	uint32_t w[64], a, b, c, d, e, f, g, k, t1, t2;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (i = 16; i < 64; i++)
		w[i] = (ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10)) + w[i - 7] +
		       (ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3)) + w[i - 16];
	a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
	for (i = 0; i < 64; i++) {
		t1 = k + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) + sha_k[i] + w[i];
		t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
		k = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
	}
	h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e, h[5] += f, h[6] += g, h[7] += k;
}

void page_sha256(const void *data, size_t len, unsigned char out[32])
{
	uint32_t h[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
			  0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
	const unsigned char *p = data;
	unsigned char last[128];
	size_t i, rest, n;
	uint64_t bits = (uint64_t)len * 8;

	for (i = 0; i + 64 <= len; i += 64)
		sha_block(h, p + i);
	rest = len - i;
	memset(last, 0, sizeof(last));
	memcpy(last, p + i, rest);
	last[rest] = 0x80;
	n = rest + 1 + 8 <= 64 ? 64 : 128;
	for (i = 0; i < 8; i++)
		last[n - 1 - i] = (unsigned char)(bits >> (8 * i));
	sha_block(h, last);
	if (n == 128)
		sha_block(h, last + 64);
	for (i = 0; i < 32; i++)
		out[i] = (unsigned char)(h[i / 4] >> (24 - 8 * (i % 4)));
}

void page_base64(const unsigned char *in, size_t len, char *out)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i;

	for (i = 0; i + 2 < len; i += 3) {
		*out++ = tab[in[i] >> 2];
		*out++ = tab[(in[i] & 3) << 4 | in[i + 1] >> 4];
		*out++ = tab[(in[i + 1] & 15) << 2 | in[i + 2] >> 6];
		*out++ = tab[in[i + 2] & 63];
	}
	if (len - i == 1) {
		*out++ = tab[in[i] >> 2];
		*out++ = tab[(in[i] & 3) << 4];
		*out++ = '=';
		*out++ = '=';
	} else if (len - i == 2) {
		*out++ = tab[in[i] >> 2];
		*out++ = tab[(in[i] & 3) << 4 | in[i + 1] >> 4];
		*out++ = tab[(in[i + 1] & 15) << 2];
		*out++ = '=';
	}
	*out = '\0';
}

/* ---- the style sheet and the script ---------------------------------------- */

static const char css[] =
	"body{font-family:system-ui,-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;"
	"margin:.8em auto;max-width:1320px;padding:0 1.2em;color:#1a1a1a;line-height:1.4}"
	"h1{font-size:1.35em;margin:.2em 0 .3em}h2{font-size:1.2em;margin-top:1.6em;"
	"border-bottom:1px solid #ccc;padding-bottom:.2em}h3{font-size:1.05em;margin:.2em 0 .3em}"
	"table{border-collapse:collapse;margin:.4em 0;font-size:.88em}"
	"th,td{border:1px solid #d0d0d0;padding:.2em .55em;text-align:left;vertical-align:top;"
	"white-space:nowrap}div.wide{overflow-x:auto;max-width:100%}"
	"th{background:#f0f0f0}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}"
	"tbody tr:nth-child(even){background:#fafafa}"
	"table.sortable th{cursor:pointer}table.sortable th[aria-sort=ascending]::after{content:' \\25B2'}"
	"table.sortable th[aria-sort=descending]::after{content:' \\25BC'}"
	"th[title]{text-decoration:underline dotted #888}"
	"input.filter{margin:.5em 0 0;padding:.2em .4em;font:inherit;font-size:.85em;width:16em}"
	"dl.facts{display:grid;grid-template-columns:max-content auto;gap:.15em 1em}"
	"dl.facts dt{font-weight:600}dl.facts dd{margin:0;word-break:break-word}"
	"code,pre{font-family:ui-monospace,'DejaVu Sans Mono',monospace;font-size:.9em}"
	"pre{background:#f6f6f6;padding:.6em;overflow-x:auto;white-space:pre-wrap}"
	"figure{margin:1.2em 0;padding:.5em;border:1px solid #e0e0e0}"
	"figure svg{max-width:100%;height:auto;display:block}"
	"figcaption{font-size:.9em;color:#333;margin-top:.4em}"
	".note{background:#fff6dd;border-left:4px solid #E69F00;padding:.4em .8em}"
	".banner{background:#fff1e0;border:1px solid #d55e00;border-left:6px solid #d55e00;"
	"padding:.35em .8em;margin:.3em 0 .5em;font-size:.9em}.banner b{color:#8a3500}"
	".sum{display:flex;flex-wrap:wrap;gap:.4em 2em;align-items:flex-start}"
	".sum>div{min-width:0}.sum p.key{max-width:34em}"
	"table.heat,table.best{font-size:.8em}table.heat th{padding:.2em .35em}"
	"table.heat td.h{text-align:center;min-width:3.6em;padding:.2em .3em;"
	"font-variant-numeric:tabular-nums}"
	"table.heat td.u{background-image:repeating-linear-gradient(135deg,transparent 0 4px,"
	"rgba(0,0,0,.16) 4px 5px)!important;color:#555}"
	"table.heat th.row{text-align:left;font-weight:600;background:#f7f7f7}"
	".key{font-size:.8em;color:#333;margin:.2em 0}"
	".key span{display:inline-block;padding:0 .45em;margin-right:.2em;border:1px solid #ccc}"
	"ul.verdicts{margin:.3em 0;padding-left:1.2em;font-size:.9em}ul.verdicts li{margin:.1em 0}"
	".prov{font-size:.82em;color:#333;margin:.4em 0}.prov code{word-break:break-all}"
	".sure{font-weight:600}.mark{display:inline-block;width:.8em;height:.8em;"
	"margin-right:.3em;border:1px solid #333;vertical-align:-.05em}"
	"td.v-faster{background:#cfe3f3}td.v-slower{background:#f6d0b5}td.v-same{background:#eeeeee}"
	"td.v-noisy{background-image:repeating-linear-gradient(135deg,transparent 0 4px,"
	"rgba(0,0,0,.14) 4px 5px)}"
	"footer{margin-top:3em;font-size:.8em;color:#666}";

/*
 * Sorts a table.sortable by a click (or Enter) on a column's header, numbers
 * as numbers (with the k/M/G of fmt_num, or a cell's data-v), text as text,
 * "n/a" and other words after the numbers; and puts a filter box before
 * each that hides the rows without the words typed.  No network, no
 * storage, no eval: CSP allows exactly this text by its hash.
 */
static const char script[] =
	"(function(){'use strict';"
	"function key(td){var v=td.getAttribute('data-v');if(v!==null&&v!=='')return parseFloat(v);"
	"var s=td.textContent.trim(),m=/^[-+]?(\\d+\\.?\\d*|\\.\\d+)(e[-+]?\\d+)?/i.exec(s);"
	"if(!m)return s.toLowerCase();var x=parseFloat(m[0]),u=s.charAt(m[0].length);"
	"if(u==='k')x*=1e3;else if(u==='M')x*=1e6;else if(u==='G')x*=1e9;return x}"
	"function cmp(a,b){var na=typeof a==='number'&&!isNaN(a),nb=typeof b==='number'&&!isNaN(b);"
	"if(na&&nb)return a-b;if(na)return -1;if(nb)return 1;return String(a).localeCompare(String(b))}"
	"function sortBy(t,i,th){var dir=th.getAttribute('aria-sort')==='ascending'?'descending':"
	"'ascending',cs=th.parentNode.cells,b=t.tBodies[0],j;"
	"for(j=0;j<cs.length;j++)cs[j].setAttribute('aria-sort','none');"
	"th.setAttribute('aria-sort',dir);"
	"var rows=Array.prototype.slice.call(b.rows).map(function(r,k){return{r:r,k:key(r.cells[i]),n:k}});"
	"rows.sort(function(x,y){var c=cmp(x.k,y.k);if(dir==='descending')c=-c;return c||x.n-y.n});"
	"rows.forEach(function(x){b.appendChild(x.r)})}"
	"var ts=document.querySelectorAll('table.sortable');"
	"Array.prototype.forEach.call(ts,function(t){if(!t.tHead||!t.tBodies.length)return;"
	"var hs=t.tHead.rows[0].cells;Array.prototype.forEach.call(hs,function(th,i){"
	"th.tabIndex=0;th.setAttribute('aria-sort','none');"
	"th.addEventListener('click',function(){sortBy(t,i,th)});"
	"th.addEventListener('keydown',function(e){if(e.key==='Enter'||e.key===' '){"
	"e.preventDefault();sortBy(t,i,th)}})});"
	"var f=document.createElement('input');f.type='search';f.className='filter';"
	"f.placeholder='filter rows';f.setAttribute('aria-label','filter the rows of the next table');"
	"f.addEventListener('input',function(){var q=f.value.toLowerCase().split(/\\s+/)"
	".filter(Boolean);Array.prototype.forEach.call(t.tBodies[0].rows,function(r){"
	"var s=r.textContent.toLowerCase();r.hidden=!q.every(function(w){return s.indexOf(w)>=0})})});"
	"var w=t.parentNode.classList.contains('wide')?t.parentNode:t;"
	"w.parentNode.insertBefore(f,w)})})();";

void page_begin(FILE *out, const char *title, const char *label)
{
	unsigned char d[32];
	char b64[48];

	page_sha256(script, strlen(script), d);
	page_base64(d, sizeof(d), b64);
	fprintf(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		     "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
		     "style-src 'unsafe-inline'; img-src data:; script-src 'sha256-%s'\">\n"
		     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		     "<title>",
		b64);
	put_html(out, title);
	if (label) {
		fputs(" ", out);
		put_html(out, label);
	}
	fprintf(out, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>", css);
	put_html(out, title);
	if (label) {
		fputs(" <q>", out);
		put_html(out, label);
		fputs("</q>", out);
	}
	fputs("</h1>\n", out);
}

void page_end(FILE *out, const char *what)
{
	char now[64];
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm);
	fputs("<footer>Written by ngbench ", out);
	put_html(out, PACKAGE_VERSION);
	fprintf(out, " at %s. ", now);
	put_html(out, what);
	fprintf(out, " Click a column's header to sort by it.</footer>\n<script>%s</script>\n"
		     "</body>\n</html>\n", script);
}

/* ---- colours ------------------------------------------------------------------ */

/*
 * A speedup's colour on a diverging blue-orange scale (the ends of
 * ColorBrewer's PuOr, told apart by the common colour-vision deficiencies
 * and by lightness in greyscale): white at 1, full at 2x either way.
 */
void page_heat_colour(double speedup, char *buf, size_t len)
{
	page_heat_colour_faint(speedup, 0, buf, len);
}

/* faint: an unsettled cell, a third of the colour (greyed under its hatch) */
void page_heat_colour_faint(double speedup, int faint, char *buf, size_t len)
{
	static const double better[3] = { 0x21, 0x66, 0xac }, worse[3] = { 0xb3, 0x58, 0x06 };
	const double *to;
	double t;
	int i, c[3];

	if (isnan(speedup) || speedup <= 0) {
		snprintf(buf, len, "#ffffff");
		return;
	}
	t = fabs(log2(speedup));
	t = t > 1 ? 1 : t;
	t = 0.85 * sqrt(t); /* small effects visible, the text still readable */
	if (faint)
		t /= 3;
	to = speedup >= 1 ? better : worse;
	for (i = 0; i < 3; i++)
		c[i] = (int)lround(255 + (to[i] - 255) * t);
	snprintf(buf, len, "#%02x%02x%02x", c[0], c[1], c[2]);
}

/* Dark cells get white text. */
int page_heat_dark(double speedup)
{
	return !isnan(speedup) && speedup > 0 && fabs(log2(speedup)) > 0.45;
}
