# The workload the -exec-child=shell preset was measured with (and is
# tested against): each core utility the preset names, with pipes, command
# substitution, redirections and a subshell, as a shell script runs them.
set -e
d=$(mktemp -d)
cd "$d"
mkdir -p a/b
echo "hello world" > a/f
cat a/f | tr a-z A-Z | sort | uniq | head -n 1 | tail -n 1 | wc -c
cp a/f a/g
mv a/g a/h
rm a/h
grep -c hello a/f
sed 's/hello/bye/' a/f
awk '{print $2}' a/f
find . -name f | xargs cat
printf '3\n1\n2\n2\n' | sort -n | uniq | head -n 2 | tail -n 1
ls -l a | wc -l
ls -la / >/dev/null
date +%Y >/dev/null
sleep 0.05
env | grep -c PATH >/dev/null
(cd a && echo sub) | cat
x=$(date +%s) && test -n "$x"
cat < a/f >> a/out 2>&1
rm -r a
cd /
rmdir "$d"
echo done
