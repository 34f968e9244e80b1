# matrix-plot.gp: the connection matrix as a picture.  Run in the
# output directory after matrix-report.py wrote matrix.dat and
# matrix-tics.gp.  Cell colour: seconds from host1's start until both
# directions pinged (grey: not connected both ways); label: the path on
# each side (D direct, R relayed) and the time, with the match column
# when it is not "yes".
set terminal pngcairo size 1100,900 font ",9" noenhanced
set output "rdv-matrix.png"
set title "clawd connection matrix (host1 behind A offers, host2 behind B answers)"
set xlabel "B (host2, answers) profile"
set ylabel "A (host1, offers) profile"
load "matrix-tics.gp"
set tics scale 0
unset key
set cbrange [0:*]
set cblabel "seconds until both directions ping"
set palette defined (0 "#1a9850", 0.5 "#fee08b", 1 "#d73027")
set clip two
set style fill solid noborder
# One box per pair measured (the CI subset leaves cells empty).
plot "matrix.dat" using 1:2:(0.48):(0.48):($3 < 0 ? NaN : $3) \
	with boxxyerror fc palette, \
     "" using 1:($3 < 0 ? $2 : NaN):(0.48):(0.48) \
	with boxxyerror fc "grey", \
     "" using 1:2:4 with labels font ",8"
