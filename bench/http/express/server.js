// The receiver CHeKT's webhook guide suggests, written in Node and Express:
// take the raw body, pass it with its signature headers to the database,
// one query per request, and answer from the outcome.  The baseline of
// bench/http/run.sh; not part of the product.
//
//   PORT=3000 PGDATABASE=... node server.js
'use strict';
const express = require('express');
const { Pool } = require('pg');

const pool = new Pool();   // PG* variables; 10 connections, pg's default
const app = express();
const refused = new Set(['unknown_app', 'bad_signature', 'stale_signature']);

app.post('/webhooks/:app', express.raw({ type: '*/*', limit: '256kb' }), async (req, res) => {
  try {
    const { rows } = await pool.query(
      'SELECT chekt.ingest($1, $2, $3, $4) AS outcome',
      [req.params.app, req.get('X-CHeKT-Timestamp') ?? null,
       req.get('X-CHeKT-Signature') ?? null, req.body.toString('utf8')]);
    const outcome = rows[0].outcome;
    res.status(refused.has(outcome) ? 401 : 200).json({ outcome });
  } catch (err) {
    res.status(503).set('Retry-After', '5').json({ outcome: 'unavailable' });
  }
});

app.listen(Number(process.env.PORT || 3000), '127.0.0.1');
