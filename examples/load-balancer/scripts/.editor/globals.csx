// The editor stub for this example's scripts: the real one ships in the repository's scripts/.editor/.
// The server ignores this file (as it ignores every .editor/globals.csx).
#load "../../../../scripts/.editor/globals.csx"
