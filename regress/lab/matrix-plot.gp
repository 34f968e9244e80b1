# matrix-plot.gp: the clawlab matrix as a picture.  Run in the output
# directory, after matrix-report.py wrote matrix.dat and matrix-tics.gp.
# Cell colour: seconds until both clawds were mapped (grey: failed);
# label: each side's mapping kind as clawd saw it, and the time.
set terminal pngcairo size 1100,900 font ",9" noenhanced
set output "matrix.png"
set title "clawlab matrix: STUN discovery only (no connection establishment yet)"
set xlabel "B (host2) profile"
set ylabel "A (host1) profile"
load "matrix-tics.gp"
set tics scale 0
unset key
set cbrange [0:*]
set cblabel "seconds until both sides mapped"
set palette defined (0 "#1a9850", 0.5 "#fee08b", 1 "#d73027")
set clip two
plot "matrix.dat" using 1:2:($3 < 0 ? NaN : $3) with image, \
     "" using 1:($3 < 0 ? $2 : NaN) with points pt 5 ps 6 lc "grey", \
     "" using 1:2:4 with labels font ",8"
