// tests/reports/browser.js - opens one page in headless Chromium through the
// DevTools protocol over a pipe (--remote-debugging-pipe: no port, no
// package from npm) and reports what a test needs to know about it.
//
//   node browser.js CHROMIUM URL SHOT_PREFIX [EXPRESSION...]
//
// At a 1366x768 window it loads URL, waits for the load event, evaluates
// each EXPRESSION in the page (after the page's own script ran) and prints
// one line per finding:
//   eval N: <the value as JSON>
//   console: <level> <text>       every console message and log entry
//   exception: <text>             every uncaught exception
//   request: <url>                every request but the page itself
// then saves SHOT_PREFIX-fold.png (the first 1366x768, what a reader sees
// first) and SHOT_PREFIX-full.png (the whole page), and exits 0; 1 when
// Chromium could not be driven.
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const [chrome, url, shot, ...given] = process.argv.slice(2);
const exprs = given.filter((x) => x !== '');
if (!chrome || !url || !shot) {
	console.error('usage: node browser.js CHROMIUM URL SHOT_PREFIX [EXPRESSION...]');
	process.exit(2);
}
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'ngb-chrome-'));
const child = spawn(chrome, ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
	'--disable-background-networking', '--disable-component-update', '--disable-sync',
	'--hide-scrollbars', '--remote-debugging-pipe', '--user-data-dir=' + profile,
	'--window-size=1366,768', 'about:blank'],
	{ stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'] });
const toChrome = child.stdio[3], fromChrome = child.stdio[4];
let nextId = 1, buffered = '';
const pending = new Map(), listeners = [];

function send(method, params, sessionId) {
	const id = nextId++;
	const msg = { id, method, params: params || {} };
	if (sessionId)
		msg.sessionId = sessionId;
	toChrome.write(JSON.stringify(msg) + '\0');
	return new Promise((resolve, reject) => pending.set(id, { resolve, reject, method }));
}

fromChrome.on('data', (chunk) => {
	buffered += chunk.toString('utf8');
	let at;
	while ((at = buffered.indexOf('\0')) >= 0) {
		const msg = JSON.parse(buffered.slice(0, at));
		buffered = buffered.slice(at + 1);
		if (msg.id && pending.has(msg.id)) {
			const p = pending.get(msg.id);
			pending.delete(msg.id);
			if (msg.error)
				p.reject(new Error(p.method + ': ' + msg.error.message));
			else
				p.resolve(msg.result);
		} else if (msg.method) {
			listeners.forEach((f) => f(msg));
		}
	}
});

function out(line) {
	process.stdout.write(line.replace(/\n/g, ' ') + '\n');
}

async function main() {
	const { targetId } = await send('Target.createTarget', { url: 'about:blank' });
	const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true });
	let loaded;
	const load = new Promise((resolve) => { loaded = resolve; });
	listeners.push((m) => {
		if (m.sessionId !== sessionId)
			return;
		const p = m.params;
		if (m.method === 'Runtime.consoleAPICalled')
			out('console: ' + p.type + ' ' + p.args.map((a) => a.value !== undefined ? a.value : a.description).join(' '));
		else if (m.method === 'Log.entryAdded')
			out('console: ' + p.entry.level + ' ' + p.entry.source + ' ' + p.entry.text);
		else if (m.method === 'Runtime.exceptionThrown')
			out('exception: ' + (p.exceptionDetails.exception ? p.exceptionDetails.exception.description : p.exceptionDetails.text));
		else if (m.method === 'Network.requestWillBeSent' && p.request.url !== url)
			out('request: ' + p.request.url);
		else if (m.method === 'Page.loadEventFired')
			loaded();
	});
	for (const d of ['Runtime', 'Log', 'Network', 'Page'])
		await send(d + '.enable', {}, sessionId);
	await send('Emulation.setDeviceMetricsOverride',
		{ width: 1366, height: 768, deviceScaleFactor: 1, mobile: false }, sessionId);
	await send('Page.navigate', { url }, sessionId);
	await Promise.race([load, new Promise((r) => setTimeout(r, 20000))]);
	for (let i = 0; i < exprs.length; i++) {
		const r = await send('Runtime.evaluate', { expression: exprs[i], returnByValue: true }, sessionId);
		out('eval ' + (i + 1) + ': ' + (r.exceptionDetails ? 'exception ' + r.exceptionDetails.text
			: JSON.stringify(r.result.value)));
	}
	let png = await send('Page.captureScreenshot', { format: 'png' }, sessionId);
	fs.writeFileSync(shot + '-fold.png', Buffer.from(png.data, 'base64'));
	const m = await send('Page.getLayoutMetrics', {}, sessionId);
	const size = m.cssContentSize || m.contentSize;
	png = await send('Page.captureScreenshot', { format: 'png', captureBeyondViewport: true,
		clip: { x: 0, y: 0, width: 1366, height: Math.min(size.height, 16000), scale: 1 } }, sessionId);
	fs.writeFileSync(shot + '-full.png', Buffer.from(png.data, 'base64'));
	// let late messages (a request started by the page after load) arrive
	await new Promise((r) => setTimeout(r, 300));
}

const timer = setTimeout(() => { out('error: timed out'); finish(1); }, 60000);
function finish(code) {
	clearTimeout(timer);
	try { toChrome.write(JSON.stringify({ id: nextId++, method: 'Browser.close', params: {} }) + '\0'); } catch (e) { /* gone */ }
	setTimeout(() => {
		child.kill('SIGKILL');
		fs.rmSync(profile, { recursive: true, force: true });
		process.exit(code);
	}, 300);
}
child.on('error', (e) => { out('error: ' + e.message); finish(1); });
main().then(() => finish(0), (e) => { out('error: ' + e.message); finish(1); });
