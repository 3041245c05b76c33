# zscore.jq - sam-zscore | sam-detect, written in jq, for bench/zscore.sh.
#
#   jq -nc -f bench/zscore.jq < bars.ndjson
#
# Per series (ticker, interval): the window is the 30 bars BEFORE the
# current one; mean and sample standard deviation (ddof 1, two-pass) of
# close and volume, z = (x - mean) / sd; z is null while the window has
# fewer than 30 bars or when sd is 0.  Keeps the bars with |z| > 2 for
# either metric, with n, mean_*, sd_*, z_* added.  Like sam-zscore it
# keeps state per series, so the input need not be sorted.

def W: 30;

# {mean, sd, z} of x against the window w
def stat($w; $x):
  if ($w | length) < W then {mean: null, sd: null, z: null}
  else
    ($w | add / length) as $m
    | ((($w | map((. - $m) * (. - $m)) | add) / (($w | length) - 1)) | sqrt) as $sd
    | {mean: $m, sd: $sd, z: (if $sd > 0 then ($x - $m) / $sd else null end)}
  end;

def big: . != null and (if . < 0 then -. else . end) > 2;

foreach inputs as $b ({s: {}, out: null};
  ($b.ticker + "\u0000" + $b.interval) as $k
  | (.s[$k] // {c: [], v: []}) as $st
  | stat($st.c; $b.close) as $c
  | stat($st.v; $b.volume) as $v
  | .out = ($b + {n: ($st.c | length),
        mean_close: $c.mean, sd_close: $c.sd, z_close: $c.z,
        mean_volume: $v.mean, sd_volume: $v.sd, z_volume: $v.z})
  | .s[$k] = {c: (($st.c + [$b.close]) | .[-W:]),
              v: (($st.v + [$b.volume]) | .[-W:])};
  .out | select((.z_close | big) or (.z_volume | big)))
