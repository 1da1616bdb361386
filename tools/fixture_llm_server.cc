// Placeholder until the fixture server lands.
int main() { return 0; }
