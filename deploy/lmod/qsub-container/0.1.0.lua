-- Lmod modulefile for qsub-container installed under /software/qsub-container/0.1.0 (deploy/install.sh PREFIX).
-- Copy to <modulepath>/qsub-container/0.1.0.lua; users then run: module load qsub-container
help([[
qsub-container submits Slurm GPU jobs that run the newest NVIDIA NGC image the partition's driver can run,
from the group's shared SIF cache. Try: qsub-container --help, qsub-container cache ls
]])
whatis("Name: qsub-container")
whatis("Version: 0.1.0")
whatis("Description: NGC containers on Slurm GPU partitions, matched to the driver, from a shared Apptainer cache")

local prefix = "/software/qsub-container/0.1.0"
-- Node.js >= 20.19 runs the tool: uncomment with the site's module name when node is not on the default PATH.
-- depends_on("nodejs/20")
-- The runtime the jobs use (Quest: SingularityCE); the job script finds apptainer or singularity on PATH.
-- depends_on("singularityce")
prepend_path("PATH", pathJoin(prefix, "bin"))
setenv("QSUB_CONTAINER_SITE_CONFIG", "/etc/qsub-container/config.json")
