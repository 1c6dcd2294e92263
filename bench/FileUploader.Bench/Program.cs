// Placeholder entry point; replaced by the project owner.
return 0;
