"""Reading files from outside (county exports) into plain grids of cells."""
