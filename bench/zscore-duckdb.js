// zscore-duckdb.js - the zscore.sh workload in DuckDB (@duckdb/node-api):
// trailing mean and sample standard deviation of close and volume over
// the 30 bars before each bar of a (ticker, interval) series, z, the
// bars past |z| > 2 written as NDJSON.
//
// usage: node bench/zscore-duckdb.js BARS OUT THREADS
'use strict';
const path = require('path');
const dir = process.env.SAM_DUCKDB_DIR;
const { DuckDBInstance } = require(dir ? path.join(dir, 'node_modules', '@duckdb', 'node-api')
    : '@duckdb/node-api');

function quoted(s) {
	return "'" + s.replace(/'/g, "''") + "'";
}

async function main() {
	const [bars, out, threads] = process.argv.slice(2);
	if (!bars || !out || !/^[1-9][0-9]*$/.test(threads || '')) {
		process.stderr.write('usage: node zscore-duckdb.js BARS OUT THREADS\n');
		process.exit(2);
	}
	const db = await DuckDBInstance.create(':memory:');
	const con = await db.connect();
	await con.run(`SET threads = ${threads}`);
	await con.run(`COPY (
	    WITH w AS (
		SELECT *,
		    count(close) OVER win AS n,
		    avg(close) OVER win AS mean_close,
		    stddev_samp(close) OVER win AS sd_close,
		    avg(volume) OVER win AS mean_volume,
		    stddev_samp(volume) OVER win AS sd_volume
		FROM read_json(${quoted(bars)}, format = 'newline_delimited')
		WINDOW win AS (PARTITION BY ticker, interval ORDER BY ts
		    ROWS BETWEEN 30 PRECEDING AND 1 PRECEDING)),
	    z AS (
		SELECT *,
		    CASE WHEN n >= 30 AND sd_close > 0 THEN (close - mean_close) / sd_close END AS z_close,
		    CASE WHEN n >= 30 AND sd_volume > 0 THEN (volume - mean_volume) / sd_volume END AS z_volume
		FROM w)
	    SELECT * FROM z WHERE abs(z_close) > 2 OR abs(z_volume) > 2
	) TO ${quoted(out)} (FORMAT json)`);
}

main().catch((e) => {
	process.stderr.write(`zscore-duckdb.js: ${e.message}\n`);
	process.exit(3);
});
