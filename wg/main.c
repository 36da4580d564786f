/* Placeholder until the daemon's main.c lands (owned by the daemon side). */
#include <stdio.h>

int main(void)
{
	fprintf(stderr, "tapwire-wg: not implemented yet\n");
	return 1;
}
