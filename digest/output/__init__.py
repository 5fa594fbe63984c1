"""Write the rendered site into the output folder, atomically, and only there."""
