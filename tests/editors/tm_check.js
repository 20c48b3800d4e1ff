// Tokenizes files with the TextMate grammar through vscode-textmate and
// Oniguruma (the engine VS Code uses), and checks the scope at every
// probe of probes.json.  Prints "FILE LINE COL WANT GOT" for each probe
// whose innermost infrac scope is not the one its class calls for, and
// "done N" (N probes looked at).
//
//   node tm_check.js NODE_MODULES GRAMMAR PROBES
'use strict';
const fs = require('fs');
const path = require('path');
const [modules, grammarPath, probesPath] = process.argv.slice(2);
const tm = require(path.join(modules, 'vscode-textmate'));
const onig = require(path.join(modules, 'vscode-oniguruma'));

const WANT = {
	comment: 'comment.line.number-sign.infrac', string: 'string.quoted.double.infrac',
	block: 'storage.type.block.infrac', keyword: 'keyword.other.infrac',
	attr: 'support.type.property-name.infrac', value: 'constant.language.infrac',
	function: 'support.function.builtin.infrac', number: 'constant.numeric.infrac',
	unit: 'keyword.other.unit.infrac', date: 'constant.other.date.infrac',
};

async function main() {
	const wasm = fs.readFileSync(path.join(modules, 'vscode-oniguruma/release/onig.wasm'));
	await onig.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
	const registry = new tm.Registry({
		onigLib: Promise.resolve({
			createOnigScanner: (p) => new onig.OnigScanner(p),
			createOnigString: (s) => new onig.OnigString(s),
		}),
		loadGrammar: async () =>
			tm.parseRawGrammar(fs.readFileSync(grammarPath, 'utf8'), grammarPath),
	});
	const grammar = await registry.loadGrammar('source.infrac');
	let n = 0;
	for (const f of JSON.parse(fs.readFileSync(probesPath, 'utf8'))) {
		const lines = fs.readFileSync(f.file, 'utf8').split('\n');
		const tokens = [];
		let stack = tm.INITIAL;
		for (const line of lines) {
			const r = grammar.tokenizeLine(line, stack);
			tokens.push(r.tokens);
			stack = r.ruleStack;
		}
		for (const [line, col, u16, cls] of f.probes) {
			const t = tokens[line - 1].find((k) => k.startIndex <= u16 && u16 < k.endIndex);
			const got = t ? t.scopes[t.scopes.length - 1] : '-';
			n++;
			if (got !== WANT[cls])
				console.log(`${f.file} ${line} ${col} ${WANT[cls]} ${got}`);
		}
	}
	console.log(`done ${n}`);
}

main().catch((e) => {
	console.log(`error ${e.message}`);
	process.exit(1);
});
