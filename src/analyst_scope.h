/*-------------------------------------------------------------------------
 *
 * analyst_scope.h
 *	  The apps the current user may read, for the row level security
 *	  policies of the family tables
 *
 *-------------------------------------------------------------------------
 */
#ifndef CHEKT_ANALYST_SCOPE_H
#define CHEKT_ANALYST_SCOPE_H

extern void chekt_analyst_scope_init(void);

#endif							/* CHEKT_ANALYST_SCOPE_H */
