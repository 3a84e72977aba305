/*-------------------------------------------------------------------------
 *
 * owner_spi.h
 *	  SPI sessions that run as the owner of chekt.inbox
 *
 *-------------------------------------------------------------------------
 */
#ifndef CHEKT_OWNER_SPI_H
#define CHEKT_OWNER_SPI_H

/* What chekt_owner_spi_begin() changed, for chekt_owner_spi_end() */
typedef struct ChektOwnerSpi
{
	Oid			saved_user;
	int			saved_security_context;
	int			guc_nest_level;
} ChektOwnerSpi;

extern Oid	chekt_inbox_owner(void);
extern void chekt_owner_spi_begin(ChektOwnerSpi *session, Oid owner);
extern void chekt_owner_spi_end(ChektOwnerSpi *session);

#endif							/* CHEKT_OWNER_SPI_H */
