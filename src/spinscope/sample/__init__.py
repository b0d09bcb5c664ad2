"""What the magnetisation is: domain textures, layer stacks on membranes, textures from arrays and files."""
